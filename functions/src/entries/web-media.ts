/**
 * Which bodies DigitalOcean's web functions carry as text and which as base64. The platform is
 * Apache OpenWhisk's controller (WebActions.scala, with akka-http's media types):
 *
 * - A raw web request's `__ow_body` is base64 when its media type is binary, and for
 *   `application/json` as well ("for legacy"); plain text otherwise. A body without a
 *   content type is `application/octet-stream`: binary.
 * - A response body whose media type the platform counts as binary is base64-DECODED by it
 *   before it goes out: an SVG sent as text arrives mangled (or as a 400). The JSON family
 *   (`application/json`, `*+json`) is decoded too when it looks like base64, so base64 is
 *   the one form that passes for every JSON type, whatever the platform counts it as.
 *
 * Pure: strings in, booleans out.
 */

/** Application types akka-http registers as text (a charset, fixed or open). */
const TEXT_APPLICATION_TYPES = new Set([
  'application/json',
  'application/javascript',
  'application/xml',
  'application/xhtml+xml',
  'application/x-www-form-urlencoded',
]);

function parse(contentType: string | null | undefined) {
  const [type = '', ...parameters] = (contentType ?? '').toLowerCase().split(';');
  return {
    type: type.trim(),
    hasCharset: parameters.some((parameter) => parameter.trim().startsWith('charset=')),
  };
}

/** Whether the platform counts a media type as text (a charset of its own, or `text/*`). */
function isText(type: string, hasCharset: boolean): boolean {
  return type.startsWith('text/') || TEXT_APPLICATION_TYPES.has(type) || (hasCharset && type !== '');
}

/** Whether a raw web request's `__ow_body` of this content type arrives base64-encoded. */
export function owBodyIsBase64(contentType: string | null | undefined): boolean {
  const { type, hasCharset } = parse(contentType);
  return type === 'application/json' || !isText(type, hasCharset);
}

/** Whether a response body of this content type must be sent base64-encoded to arrive as sent. */
export function responseNeedsBase64(contentType: string | null | undefined): boolean {
  const { type, hasCharset } = parse(contentType);
  if (type === '' || type === 'application/json') return false;
  if (type.endsWith('+json')) return true;
  return !isText(type, hasCharset);
}
