"""Words the rule explainer uses for fact types, fields and values. Anything not listed here is still
explained, from its own name ("time_sensitive" -> "time sensitive"), so new rules and facts never fail.

For reviewers (English); patients never see these words.
"""

from __future__ import annotations

# fact type -> (singular noun with article, plural noun)
NOUNS: dict[str, tuple[str, str]] = {
    "opinion": ("an opinion", "opinions"),
    "clinician": ("a doctor", "doctors"),
    "completed": ("a step the patient has done", "steps the patient has done"),
    "discordance": ("a difference between the opinions", "differences between the opinions"),
    "gap": ("a gap", "gaps"),
    "step": ("a step on the list", "steps on the list"),
}
# Fact types with exactly one fact per case: their conditions read without a noun.
SINGLETONS = {"case"}

# field -> (singular, plural)
FIELDS: dict[str, tuple[str, str]] = {
    "cancer_type": ("cancer type", "cancer types"),
    "stage": ("stage", "stages"),
    "modalities": ("set of treatment kinds", "sets of treatment kinds"),
    "intent": ("treatment goal", "treatment goals"),
    "explained": ("explained reasoning", "explained reasoning"),
    "specialty": ("specialty", "specialties"),
    "tumor_focus": ("cancer type they focus on", "cancer types they focus on"),
    "opinions": ("number of opinions", "numbers of opinions"),
    "time_sensitive": ("urgency", "urgency"),
    "code": ("step", "steps"),
    "kind": ("kind", "kinds"),
    "idx": ("position", "positions"),
}

# (fact type, field) -> what a true / a false value says
BOOLEANS: dict[tuple[str, str], tuple[str, str]] = {
    ("opinion", "explained"): (
        "whose doctor explained how they reached it",
        "whose doctor did not explain how they reached it",
    ),
    ("case", "time_sensitive"): ("a doctor said decisions are urgent", "no doctor said decisions are urgent"),
}

# (fact type, field) -> phrase for "equals {v}" and for "is not {v}"
PHRASES: dict[tuple[str, str], tuple[str, str]] = {
    ("completed", "code"): ("that is {v}", "that is not {v}"),
    ("step", "code"): ("that is {v}", "that is not {v}"),
    ("opinion", "cancer_type"): ("that names {v}", "that names a cancer type other than {v}"),
    ("clinician", "tumor_focus"): ("who focuses on {v}", "who does not focus on {v}"),
}

# Values that mean "not given" in facts (service/core/facts.py).
NOT_GIVEN = {"unknown", "none"}

# What a derived fact says, by type and kind; {detail} is any other field.
DERIVED: dict[str, dict[str, str]] = {
    "discordance": {
        "": "the opinions differ",
        "diagnosis": "the diagnosis differs",
        "stage": "the stage differs",
        "treatment": "the treatment differs",
    },
    "gap": {
        "": "something is missing",
        "no_specialist": "no doctor focuses on {cancer_type}",
        "reasoning_unexplained": "a doctor did not explain their reasoning",
    },
}

# A fact type whose one condition is on its step code reads as a sentence about that step.
CODE_SENTENCES: dict[str, str] = {
    "step": "{v} is on the list",
    "completed": "the patient has already done {v}",
}

# What a `conclude` rule says about the opinions, by consensus value.
CONSENSUS: dict[str, str] = {
    "agree": "agree",
    "disagree": "disagree",
    "uncertain": "may or may not agree (something could not be compared)",
}
