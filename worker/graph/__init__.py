"""Building, spooling and merging the resource graph in the core's upload format."""
