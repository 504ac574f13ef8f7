"""Personal data (issue 26): the privacy notice and consents, "My data", account deletion, the
processing log of who read whose data, and the retention job."""
