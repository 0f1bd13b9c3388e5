// Where the API lives when the page is served from another origin, e.g. "https://api.example.com".
// Empty: the API is on the page's own origin.
window.VIGIL_API_BASE = "";
