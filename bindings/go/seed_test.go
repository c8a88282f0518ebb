package glidec

import (
	"reflect"
	"testing"
)

// The two examples of GLIDE's ClusterBatch documentation.
func TestSeedAtomicBatch(t *testing.T) {
	client := clusterClient(t)
	k := key("seed-atomic")
	batch := NewClusterBatch(true)
	batch.Set(k, "value").Get(k)
	result, err := client.Exec(testCtx(t), batch, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"OK", []byte("value")}
	if !reflect.DeepEqual(result, want) {
		t.Fatalf("got %#v, want %#v", result, want)
	}
	t.Logf("atomic: %s", show(result))
}

func TestSeedPipeline(t *testing.T) {
	client := clusterClient(t)
	// {a} and {b}: two hash tags, so the keys are in different slots.
	k1, k2 := key("{a}seed-key1"), key("{b}seed-key2")
	pipeline := NewClusterBatch(false)
	pipeline.Set(k1, "value1").Set(k2, "value2").Get(k1).Get(k2)
	result, err := client.Exec(testCtx(t), pipeline, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"OK", "OK", []byte("value1"), []byte("value2")}
	if !reflect.DeepEqual(result, want) {
		t.Fatalf("got %#v, want %#v", result, want)
	}
	t.Logf("pipeline: %s", show(result))
	slots, err := client.CustomCommand(testCtx(t), []string{"CLUSTER", "KEYSLOT", k1})
	if err != nil {
		t.Fatal(err)
	}
	slots2, err := client.CustomCommand(testCtx(t), []string{"CLUSTER", "KEYSLOT", k2})
	if err != nil {
		t.Fatal(err)
	}
	if slots == slots2 {
		t.Fatalf("keys %q and %q share slot %v", k1, k2, slots)
	}
}
