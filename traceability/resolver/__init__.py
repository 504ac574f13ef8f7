"""A GS1-Conformant resolver (resolver standard 1.2) for our GTINs, lots and stamp serials."""
