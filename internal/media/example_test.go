package media_test

import (
	"context"
	"log"
	"net/netip"
	"time"

	"github.com/switchboard-cc/switchboard/internal/media"
)

// A B2BUA answering an INVITE: parse the offer, pick a codec, open a port
// pair, answer, run the session, play a prompt and wait for a digit.
func Example() {
	ports, err := media.NewPorts(netip.MustParseAddr("127.0.0.1"), 30000, 30100)
	if err != nil {
		log.Fatal(err)
	}
	offerBody := []byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
		"m=audio 6000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n")
	offer, err := media.ParseSDP(offerBody)
	if err != nil {
		log.Fatal(err) // 400 or 488
	}
	neg, err := media.Answer(offer, []media.Codec{media.PCMU, media.PCMA})
	if err != nil {
		log.Fatal(err) // 488
	}
	conn, err := ports.Open()
	if err != nil {
		log.Fatal(err) // 503
	}
	answer := media.MarshalSDP(conn.LocalAddr(), media.Origin{SessionID: 1, Version: 1},
		[]media.Codec{neg.Codec}, neg.DTMF, neg.Direction)
	_ = answer // the 200 OK body

	sess := media.NewSession(media.SessionConfig{
		Conn: conn, Remote: neg.Remote, Codec: neg.Codec, DTMF: neg.DTMF,
		Direction: neg.Direction, MediaTimeout: 30 * time.Second,
	})
	defer sess.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	go sess.Run(ctx)

	prompt := make([]int16, 8000) // 1 s of TTS audio
	playCtx, stopPlaying := context.WithCancel(ctx)
	go func() {
		select {
		case d := <-sess.DTMF():
			log.Printf("digit %c", d)
			stopPlaying() // barge-in
		case <-playCtx.Done():
		}
	}()
	_ = media.Play(playCtx, sess, prompt)
	stopPlaying()
}
