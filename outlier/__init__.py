"""Outlier: curate, publish, converse, measure."""

__version__ = "0.1.0"
