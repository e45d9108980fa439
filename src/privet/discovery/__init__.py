"""Discovery: scan datastores for personal data and compare what is found with the manifest."""
