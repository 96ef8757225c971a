// Preloaded into every test process (scripts/test.sh): each test file runs against a database of its own, a copy
// of the migrated test database (CREATE DATABASE … TEMPLATE, a file copy: ~0.1 s), so that no file sees another's
// rows and files may run in any order. The copy is named after the file and made afresh at each run; it is left
// in place afterwards for inspection. Processes the test starts (API, workers) inherit its DATABASE_URL.
import { createHash } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';

const file = process.argv[1];
if (file && /\.test\.[cm]?[jt]s$/.test(file) && process.env.DATABASE_URL) {
  const template = new URL(process.env.DATABASE_URL);
  const templateName = template.pathname.slice(1);
  const relative = path.relative(process.cwd(), file).replace(/\\/g, '/');
  const slug = relative.replace(/\.test\.[cm]?[jt]s$/, '').replace(/[^a-z0-9]+/gi, '_').toLowerCase().slice(-32);
  const name = `${templateName}_${slug}_${createHash('sha256').update(relative).digest('hex').slice(0, 6)}`.slice(0, 63);
  const admin = new URL(template);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}" TEMPLATE "${templateName}"`);
  } finally {
    await client.end();
  }
  const own = new URL(template);
  own.pathname = `/${name}`;
  process.env.DATABASE_URL = own.toString();
  process.env.SLMLAB_TEST_TEMPLATE_DATABASE_URL = template.toString();
}
