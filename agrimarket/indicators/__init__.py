"""Digital-economy indicators: households selling online at any date, by area and marketplace."""
