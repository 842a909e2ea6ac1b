"""PDF documents: statement of account, formal notice, promise to pay. Public API: `relance.documents.pdf`."""
