//go:build !unix

package vader

import "time"

func cpuTime() time.Duration { return 0 }
