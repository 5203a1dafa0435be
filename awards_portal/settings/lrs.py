"""Settings for the Learning Records Service connection, all read from the environment.

Only these change between the sandpit on a developer's machine and the real LRS: the endpoints,
the organisation's credentials and the client certificate.
"""

import environ

env = environ.Env()

# One endpoint per published service. A value starting "wsgi://" reaches this portal's own
# sandpit in-process (tests); "http(s)://" goes over the network.
LRS_ENDPOINT_LEARNER = env.str("LRS_ENDPOINT_LEARNER", default="")
LRS_ENDPOINT_EXTERNAL = env.str("LRS_ENDPOINT_EXTERNAL", default="")
LRS_ENDPOINT_R9 = env.str("LRS_ENDPOINT_R9", default="")
LRS_ORGANISATION_REF = env.str("LRS_ORGANISATION_REF", default="")
LRS_UKPRN = env.str("LRS_UKPRN", default="")
LRS_USERNAME = env.str("LRS_USERNAME", default="")
LRS_PASSWORD = env.str("LRS_PASSWORD", default="")
# Mutual TLS: the certificate and key files the LRS issued to the organisation (optional).
LRS_CLIENT_CERT = env.str("LRS_CLIENT_CERT", default="")
LRS_CLIENT_KEY = env.str("LRS_CLIENT_KEY", default="")
LRS_TIMEOUT_SECONDS = env.float("LRS_TIMEOUT_SECONDS", default=30.0)
# The sandpit's pages and endpoints are mounted only where this is on (dev and test).
LRS_SANDPIT_ENABLED = env.bool("LRS_SANDPIT_ENABLED", default=False)
# A transient fault (timeout, refused connection, 5xx) is tried this many times in all, waiting
# LRS_RETRY_BACKOFF_SECONDS, then twice that, and so on, between tries.
LRS_RETRY_ATTEMPTS = env.int("LRS_RETRY_ATTEMPTS", default=3)
LRS_RETRY_BACKOFF_SECONDS = env.float("LRS_RETRY_BACKOFF_SECONDS", default=0.5)
# The sandpit answers "not ready" to getVerifyBatchOutput until a batch is this old.
LRS_SANDPIT_BATCH_DELAY_SECONDS = env.float("LRS_SANDPIT_BATCH_DELAY_SECONDS", default=2.0)
# Achievement batches (issue 12): the batch header's notification address (R-LRS-8), how often
# the job is polled (seconds, doubling from the first to the longest), and the sandpit's pace.
LRS_NOTIFICATION_EMAIL = env.str("LRS_NOTIFICATION_EMAIL", default="lrs-batches@awards.example")
LRS_POLL_FIRST_SECONDS = env.float("LRS_POLL_FIRST_SECONDS", default=5.0)
LRS_POLL_LONGEST_SECONDS = env.float("LRS_POLL_LONGEST_SECONDS", default=300.0)
LRS_SANDPIT_WAITING_SECONDS = env.float("LRS_SANDPIT_WAITING_SECONDS", default=2.0)
LRS_SANDPIT_PROCESSING_SECONDS = env.float("LRS_SANDPIT_PROCESSING_SECONDS", default=2.0)
# Seconds the sandpit waits after recording a submitted job before it answers (fault tests).
LRS_SANDPIT_SUBMIT_ANSWER_DELAY = env.float("LRS_SANDPIT_SUBMIT_ANSWER_DELAY", default=0.0)
