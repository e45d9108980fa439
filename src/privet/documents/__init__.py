"""Documents: the human privacy documents rendered from the manifest (privacy policy,
cookie table, subprocessor list, Art. 30 record), their versions, diffs and change notices."""
