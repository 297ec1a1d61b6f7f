"""One module per paper: its models, then the experiment functions its notebook calls."""
