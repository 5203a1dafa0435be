"""The certificate-check API for employers' systems."""
