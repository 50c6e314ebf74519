package main

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"masspay"
	"masspay/app"
	"masspay/apptest"
	"masspay/postgres/pgtest"
)

// cluster is several `masspay serve` processes on one PostgreSQL schema.
type cluster struct {
	t         *testing.T
	bin, db   string
	nodes     []*server
	store     *apptest.Env // the test's own handle on the shared store, for fixtures and checks
	accountID string
	token     string
	bodies    [][]byte
}

// startCluster makes an application and n nodes named node-0 ... node-<n-1> with the extra
// serve flags, and payees to pay.
func startCluster(t *testing.T, n int, flags ...string) *cluster {
	t.Helper()
	c := &cluster{t: t, db: pgtest.URL(t)} // first: skips before the build when there is no PostgreSQL
	c.bin = buildBinary(t)
	accountID, key, secret := appsCreate(t, c.bin, "--database", c.db)
	st, err := app.OpenStore(context.Background(), "", c.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c.store = &apptest.Env{T: t, Store: st, Base: "http://masspay.test"}
	c.accountID = accountID
	for i := range n {
		// Every node gets the same --public-url, as behind a load balancer.
		args := append([]string{"--database", c.db, "--public-url", c.store.Base, "--node-id", fmt.Sprint("node-", i)}, flags...)
		c.nodes = append(c.nodes, startServer(t, c.bin, args...))
	}
	tok, ok := tryToken(&apptest.Client{T: t, Base: c.nodes[0].base, Key: key, Secret: secret})
	if !ok {
		t.Fatal("no token")
	}
	// Tokens live in the database, so this one works on every node.
	c.token = tok
	return c
}

// makeBatches builds count bodies of perBatch items each (see batchBodies).
func (c *cluster) makeBatches(count, perBatch int) {
	c.bodies = append(c.bodies, batchBodies(c.store, &apptest.Client{T: c.t, AccountID: c.accountID}, count, perBatch)...)
}

// submit posts batch i to node (or, when it is gone or the key is still held by a request the
// dead node was serving, to the next live node) until it is accepted, and returns its id.
func (c *cluster) submit(i, node int, alive func(int) bool) (string, error) {
	deadline := time.Now().Add(2 * time.Minute)
	for n := node; ; n = (n + 1) % len(c.nodes) {
		if time.Now().After(deadline) {
			return "", fmt.Errorf("batch %d not accepted in 2 minutes", i)
		}
		if !alive(n) {
			continue
		}
		status, loc, err := postMassPayment(c.nodes[n].base, c.token, fmt.Sprint("multinode-", i), c.bodies[i])
		switch {
		case err == nil && status == 201:
			return apptest.ID(loc), nil
		case err == nil && status != 409:
			return "", fmt.Errorf("batch %d on node-%d: status %d", i, n, status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// massPayments lists the account's mass payments.
func (c *cluster) massPayments() ([]*masspay.MassPayment, int) {
	var list []*masspay.MassPayment
	var total int
	err := c.store.Store.Read(context.Background(), func(q masspay.Q) (err error) {
		list, total, err = q.MassPaymentList(context.Background(), masspay.MassPaymentFilter{AccountID: c.accountID, Page: masspay.Page{Limit: 1000}})
		return err
	})
	if err != nil {
		c.t.Fatalf("list mass payments: %v", err)
	}
	return list, total
}

// waitComplete waits until want batches exist and all are complete.
func (c *cluster) waitComplete(want int, within time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for {
		list, total := c.massPayments()
		left := 0
		for _, mp := range list {
			if mp.Status != masspay.MassPaymentComplete {
				left++
			}
		}
		if total == want && left == 0 {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("after %v: %d of %d batches stored, %d not complete", within, total, want, left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends every live node with SIGTERM and returns each node's log.
func (c *cluster) stop() []string {
	logs := make([]string, len(c.nodes))
	for i, s := range c.nodes {
		s.cmd.Process.Signal(syscall.SIGTERM)
		s.cmd.Wait()
		logs[i] = s.log()
	}
	return logs
}

// checkBatches checks one batch per Idempotency-Key, every item paid, and every invariant,
// also through `masspay verify`.
func (c *cluster) checkBatches(want, perBatch int) {
	c.t.Helper()
	list, total := c.massPayments()
	if total != want {
		c.t.Errorf("%d batches stored, want %d (a retry made a second batch?)", total, want)
	}
	err := c.store.Store.Read(context.Background(), func(q masspay.Q) error {
		for _, mp := range list {
			_, n, err := q.ItemList(context.Background(), masspay.ItemFilter{MassPaymentID: mp.ID, Statuses: []string{string(masspay.ItemSuccess)}, Page: masspay.Page{Limit: 1}})
			if err != nil {
				return err
			}
			if n != perBatch {
				c.t.Errorf("batch %s: %d successful items, want %d", mp.ID, n, perBatch)
			}
		}
		// Violations includes "every successful item has exactly one transfer".
		v, err := q.Violations(context.Background())
		for _, s := range v {
			c.t.Errorf("invariant violated: %s", s)
		}
		return err
	})
	if err != nil {
		c.t.Fatal(err)
	}
	out, err := exec.Command(c.bin, "verify", "--database", c.db).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		c.t.Errorf("masspay verify: %v\n%s", err, out)
	}
}

var completeRe = regexp.MustCompile(`msg="mass payment complete" .*\bmass_payment_id=(\S+)`)

// completedBy maps each batch to the node whose log says it completed it.
func completedBy(logs []string) map[string]int {
	by := map[string]int{}
	for node, l := range logs {
		for _, m := range completeRe.FindAllStringSubmatch(l, -1) {
			by[m[1]] = node
		}
	}
	return by
}

// TestMultiNode runs three nodes on one PostgreSQL schema with 2-second leases, submits batches
// round-robin across them, SIGKILLs one node while it holds a batch, and checks that the
// survivors finish everything, exactly once, and that the work was shared.
func TestMultiNode(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three real processes; skipped with -short")
	}
	t.Parallel()
	const batches, perBatch, victim = 30, 1000, 1
	c := startCluster(t, 3, "--lease", "2s", "--poll", "200ms")
	c.makeBatches(batches, perBatch)

	// Record every lease owner seen, so that work sharing is visible even for the dead node.
	var mu sync.Mutex
	owners := map[string]bool{}
	watchDone := make(chan struct{})
	stopWatch := make(chan struct{})
	go func() {
		defer close(watchDone)
		for {
			list, _ := c.massPayments()
			mu.Lock()
			for _, mp := range list {
				if mp.LeaseOwner != "" {
					owners[mp.LeaseOwner] = true
				}
			}
			mu.Unlock()
			select {
			case <-stopWatch:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()

	var dead sync.Map
	alive := func(n int) bool { _, gone := dead.Load(n); return !gone }
	submitErr := make(chan error, 1)
	go func() {
		for i := range batches {
			if _, err := c.submit(i, i%len(c.nodes), alive); err != nil {
				submitErr <- err
				return
			}
		}
		submitErr <- nil
	}()

	// Kill the victim while it holds a batch. SIGSTOP freezes it first so that the check that
	// it still holds the batch cannot race its commit; if it finished meanwhile, thaw and retry.
	victimID := fmt.Sprint("node-", victim)
	var held *masspay.MassPayment
	for deadline := time.Now().Add(2 * time.Minute); held == nil; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s never held a batch", victimID)
		}
		list, _ := c.massPayments()
		var mine *masspay.MassPayment
		for _, mp := range list {
			if mp.Status == masspay.MassPaymentProcessing && mp.LeaseOwner == victimID {
				mine = mp
			}
		}
		if mine == nil {
			continue
		}
		c.nodes[victim].cmd.Process.Signal(syscall.SIGSTOP)
		var now *masspay.MassPayment
		c.store.Store.Read(context.Background(), func(q masspay.Q) (err error) {
			now, err = q.MassPaymentGet(context.Background(), mine.ID)
			return err
		})
		if now != nil && now.Status == masspay.MassPaymentProcessing && now.LeaseOwner == victimID {
			dead.Store(victim, true)
			c.nodes[victim].kill()
			held = now
			break
		}
		c.nodes[victim].cmd.Process.Signal(syscall.SIGCONT)
	}
	t.Logf("killed %s holding batch %s at item %d of %d", victimID, held.ID, held.NextIdx, held.ItemCount)

	if err := <-submitErr; err != nil {
		t.Fatal(err)
	}
	c.waitComplete(batches, 3*time.Minute)
	close(stopWatch)
	<-watchDone
	logs := c.stop()
	c.checkBatches(batches, perBatch)

	by := completedBy(logs)
	if node, ok := by[held.ID]; !ok || node == victim {
		t.Errorf("batch %s held by the killed node: completed by node %d (found %v), want a survivor", held.ID, node, ok)
	}
	perNode := make([]int, len(c.nodes))
	for _, node := range by {
		perNode[node]++
	}
	sharing := 0
	for _, n := range perNode {
		if n > 0 {
			sharing++
		}
	}
	t.Logf("batches completed per node: %v; lease owners seen: %v", perNode, owners)
	if sharing < 2 || len(owners) < 2 {
		t.Errorf("work not shared: completions per node %v, lease owners seen %v", perNode, owners)
	}
}

// TestMultiNodeWakeUp checks that a node picks up work submitted to another node at once, through
// LISTEN/NOTIFY: both nodes poll only every 10 minutes, every batch goes to node-0, and node-1
// must still complete some of them, each batch well within the poll interval.
func TestMultiNodeWakeUp(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes; skipped with -short")
	}
	t.Parallel()
	const batches, perBatch = 8, 1000
	c := startCluster(t, 2, "--poll", "10m")
	c.makeBatches(batches, perBatch)
	// Both engines looked for work once when they started; give them time to be done with that,
	// so that from here on only a wake-up can make them look again.
	time.Sleep(time.Second)
	for i := range batches {
		if _, err := c.submit(i, 0, func(n int) bool { return n == 0 }); err != nil {
			t.Fatal(err)
		}
	}
	c.waitComplete(batches, 3*time.Minute)
	logs := c.stop()
	c.checkBatches(batches, perBatch)

	list, _ := c.massPayments()
	for _, mp := range list {
		// Generous on a loaded machine, yet far below the 10-minute poll.
		if d := mp.Completed.Sub(mp.Created); d > 2*time.Minute {
			t.Errorf("batch %s took %v from acceptance to completion", mp.ID, d)
		}
	}
	perNode := make([]int, 2)
	for _, node := range completedBy(logs) {
		perNode[node]++
	}
	t.Logf("batches completed per node: %v", perNode)
	if perNode[1] == 0 {
		t.Errorf("node-1 completed none of the batches sent to node-0: no wake-up reached it\nnode-1 log:\n%s", logs[1])
	}
}
