# Read by `gunicorn wsgi:app` run from the project root; command-line options win.
# The same defaults as `casesearch serve`: each worker holds its own searcher.
bind = "127.0.0.1:8000"
workers = 2
timeout = 30            # a backstop: a worker stuck longer is killed and replaced
accesslog = "-"
proc_name = "casesearch"
control_socket_disable = True   # gunicorn 27+; older versions ignore unknown names here
