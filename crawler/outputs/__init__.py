"""What the store is turned into for people and other programs: exports and dumps (formats.py is the one
registry of export formats), coverage, the Atom feed and notifications (texts.py holds every event text)."""
