"""FHIR R4 (mCODE) in: a Bundle or prefetched resources become opinions, mapped by rules/fhir/*.yaml."""
