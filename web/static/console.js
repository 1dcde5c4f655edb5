// The console's pages hold no script of their own; this one marks the page
// as ready, as the bulletin's chart script does, for readers and tests.
document.body.setAttribute('data-rendered', 'true');
