import { runCli } from './run-cli';

/*
 * `npm run cli -- clients create --scopes read,write --role user`
 *
 * Works against the server's database: MONGODB_URI (or MONGODB_URL) when set. Otherwise it opens
 * the embedded server on EMBEDDED_DB_DATA_DIR itself, which is only safe while the server is NOT
 * running: two processes must never open the same embedded data directory (each would keep its own
 * state and append to the same journal). With the embedded default and a running server, start the
 * database on its own (`npm run db -- --data ./data`) and point both the server and the CLI at it
 * with MONGODB_URI=mongodb://127.0.0.1:27017/?directConnection=true.
 *
 * Exit codes: 0 ok, 1 usage or invalid input, 2 not found, 3 conflict, 4 any other failure.
 */
runCli(process.argv.slice(2)).then(
  // Everything is closed and flushed by now; a lingering timer must not keep the CLI alive.
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(4);
  },
);
