"""sanshe: registers of community services in, a knowledge graph and open data out."""

__version__ = "0.1.0"
