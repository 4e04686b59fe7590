"""Integrations with other systems' protocols: HL7 CDS Hooks now, FHIR to come."""
