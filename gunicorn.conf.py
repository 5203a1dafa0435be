"""How gunicorn serves the portal: the production image (Dockerfile), docker-compose.yml and
bench/verify_load.py all start it with this file, so the bench measures the server as deployed.

Sync workers, one request at a time each, (2 x cores) + 1 of them, as gunicorn's documentation
advises. The portal's requests are short and wait only on PostgreSQL and Redis on the same
network; a process per request in flight never contends for the GIL, and a worker stuck on one
request is killed after `timeout` and replaced. Sync workers need a buffering reverse proxy in
front (the deployment's load balancer or nginx) so that slow clients hold the proxy, not a
worker. See docs/decisions/0181-gunicorn-sync-workers.md.

WEB_CONCURRENCY overrides the number of workers (gunicorn reads it itself too).
"""

import os

wsgi_app = "awards_portal.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "sync"
# The cores this process may run on (a container's cpuset), not every core of the host.
workers = int(os.environ.get("WEB_CONCURRENCY") or len(os.sched_getaffinity(0)) * 2 + 1)
# A request that takes longer than this is a fault (the slowest pages answer in well under a
# second; PDFs and exports are made by Celery): the worker is killed and replaced.
timeout = 30
graceful_timeout = 30
# Behind the proxy, which holds client connections; between it and gunicorn keep-alive is moot
# for sync workers.
keepalive = 2
