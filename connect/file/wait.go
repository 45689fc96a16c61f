package file

import "time"

// pollWait is how long a source poll waits for the file to grow.
const pollWait = 200 * time.Millisecond

func timeAfter() <-chan time.Time { return time.After(pollWait) }
