"""One widget a file: each shows part of the lesson and computes nothing."""
