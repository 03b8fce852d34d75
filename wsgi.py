from casesearch.web import create_app
app = create_app()
