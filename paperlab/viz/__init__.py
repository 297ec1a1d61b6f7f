"""Figure helpers: one style, attention maps, curves, alignments, widgets."""
