"""Personal data (issue 26): the processing log of who read whose data, and the retention job."""
