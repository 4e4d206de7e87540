"""Passeport de prévention: the employer's compliance dashboard (domain library)."""
