# Read by `gunicorn wsgi:app` run from the project root; command-line options win.
# The same defaults as `casesearch serve`.
bind = "127.0.0.1:8000"
workers = 2
# The app (and the live index generation, opened and warmed) is made once, in gunicorn's
# master, before the workers fork: they share its memory and start serving at once, and
# a worker that replaces one killed starts as fast. Each worker then opens a new
# generation on its own, in the background, as it is published.
preload_app = True

timeout = 30            # a backstop: a worker stuck longer is killed and replaced
accesslog = "-"
proc_name = "casesearch"
control_socket_disable = True   # gunicorn 27+; older versions ignore unknown names here


def post_fork(server, worker):   # each worker watches for new generations from its start
    from casesearch.web import forked
    forked(server, worker)
