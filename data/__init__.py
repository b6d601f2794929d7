"""The book's small CSV data sets; installed as the package ``dlcore.datasets`` so they ship in the wheel."""
