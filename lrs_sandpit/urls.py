"""The sandpit's SOAP endpoints and its pages, mounted at /lrs-sandpit/ in dev and test only."""

app_name = "lrs_sandpit"
urlpatterns: list = []
