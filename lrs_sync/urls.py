"""Pages for the portal's work with the LRS: learner verification (and later achievements)."""

app_name = "lrs_sync"
urlpatterns: list = []
