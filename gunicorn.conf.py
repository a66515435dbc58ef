"""gunicorn's settings that the command line does not give (Procfile, README): read from this
file in the project's directory. The access log writes each request line with its query string
(the admin's search by a full ID or mobile number is one): its numbers are masked as in every
other log (healthcode/logmask.py)."""

logger_class = "healthcode.logmask.GunicornLogger"
