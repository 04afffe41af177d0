"""Chapter 8, security and guardrails: injection defences, safe output handling, redaction and the
red-team runner."""
