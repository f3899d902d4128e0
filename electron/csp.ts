/**
 * The window's Content-Security-Policy: only the app's own files, no remote origin of any kind,
 * no inline script, no eval. Sent as a header by the app:// protocol and as a meta tag in index.html.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
  "frame-src 'none'",
].join('; ');
