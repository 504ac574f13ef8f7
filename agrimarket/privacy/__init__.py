"""Personal data (issue 26): the privacy notice and consents, "My data" and account deletion."""
