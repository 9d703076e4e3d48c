"""Tests of heron.media: images, histograms, tables and their files."""
