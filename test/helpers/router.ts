// A GET through a local router on 127.0.0.1, addressed by a preview host name (fetch cannot set Host).
import http from 'node:http';

export interface RouterReply {
  status: number;
  text: string;
}

export function getViaRouter(port: number, host: string, pathname = '/'): Promise<RouterReply> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname, agent: false, headers: { Host: host } }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        response.on('error', reject);
      })
      .on('error', reject);
  });
}
