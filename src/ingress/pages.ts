// The small pages the ingress answers itself with: no route (404), no ready backend (503), backend failed (502),
// backend silent past the response timeout (504).
const TITLES: Record<number, string> = {
  404: '404 Not Found',
  502: '502 Bad Gateway',
  503: '503 Service Temporarily Unavailable',
  504: '504 Gateway Time-out',
};

const cache = new Map<number, Buffer>();

/** The HTML body for status (built once per status). */
export function errorPage(status: number): Buffer {
  let b = cache.get(status);
  if (!b) {
    const title = TITLES[status] ?? String(status);
    b = Buffer.from(`<html>\n<head><title>${title}</title></head>\n<body>\n<center><h1>${title}</h1></center>\n<hr><center>tugboat-ingress</center>\n</body>\n</html>\n`);
    cache.set(status, b);
  }
  return b;
}

/** The same page as a raw HTTP/1.1 response, for upgrade requests answered on the bare socket. */
export function rawErrorResponse(status: number): string {
  const body = errorPage(status);
  const reason = (TITLES[status] ?? String(status)).replace(/^\d+ /, '');
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString()}`;
}

const rawCache = new Map<string, Buffer>();

/** The page as a whole raw HTTP/1.1 response for the raw data path: keep-alive unless closing. */
export function rawPage(status: number, close: boolean): Buffer {
  const key = `${status}${close ? 'c' : 'k'}`;
  let b = rawCache.get(key);
  if (!b) {
    const body = errorPage(status);
    const reason = (TITLES[status] ?? String(status)).replace(/^\d+ /, '');
    const head = `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;
    b = Buffer.concat([Buffer.from(head, 'latin1'), body]);
    rawCache.set(key, b);
  }
  return b;
}
