"""The public booking site of each company (`/site/{company_id}`): its page and catalog, a
price estimator, guest booking by card with the 3-D Secure step, a confirmation page that
follows the booking live, and cancelling with the refund shown first. Server-rendered like the
console, with its own templates (site/templates) and stylesheet (static/site.css)."""
