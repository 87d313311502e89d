"""`newsletter send`: an issue's email delivered to a list over SMTP, once per recipient.

- `recipients`: the CSV list, every bad or repeated address reported before sending;
- `secret`: the secret next to the content, and the per-recipient tokens made with it;
- `copies`: the issue rendered once, then each recipient's personalised copy;
- `journal`: the SQLite record of each recipient's state, which makes a send resumable;
- `smtp`: one connection, one message at a time, handed over just before the final dot;
- `pacing`: the rate limit and the backoff of retries;
- `progress`: the bar (or plain lines) while a send runs, and its tally;
- `request`: what the command is asked to do (`options` makes it from the CLI options);
- `delivery`: the loop that hands the copies over, with reconnects, retries and stops;
- `summary`: what is printed at the end, and the exit code;
- `run`: the send itself, top to bottom.
"""
