package glidec_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"glide-c/glidec"
)

// The two ClusterBatch examples of GLIDE's documentation.
func ExampleClusterClient_Exec() {
	client, err := glidec.NewClusterClient(glidec.ClusterClientConfiguration{
		Addresses: []glidec.NodeAddress{{Host: "127.0.0.1", Port: 7100}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	transaction := glidec.NewClusterBatch(true)
	transaction.Set("key", "value").Get("key")
	result, err := client.Exec(ctx, transaction, false)
	fmt.Printf("%q %v\n", result, err) // ["OK" "value"] <nil>

	pipeline := glidec.NewClusterBatch(false)
	pipeline.Set("key1", "value1").Set("key2", "value2").Get("key1").Get("key2")
	result, err = client.Exec(ctx, pipeline, false)
	fmt.Printf("%q %v\n", result, err) // ["OK" "OK" "value1" "value2"] <nil>
}

// Errors stay in place with raiseOnError false; with true the first one is Exec's error.
func ExampleRequestError() {
	client, err := glidec.NewClusterClient(glidec.ClusterClientConfiguration{
		Addresses: []glidec.NodeAddress{{Host: "127.0.0.1", Port: 7100}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	batch := glidec.NewClusterBatch(false)
	batch.Set("k", "string").LPush("k", []string{"x"})
	result, _ := client.Exec(context.Background(), batch, false)
	fmt.Println(result[1]) // SERVER: WRONGTYPE Operation against a key holding the wrong kind of value

	_, err = client.Exec(context.Background(), batch, true)
	var re *glidec.RequestError
	if errors.As(err, &re) && re.Kind == glidec.Server {
		fmt.Println("raised:", re.Message)
	}
}
