// How an offer makes itself noticed on a phone in a pocket: a beep made with WebAudio (no sound
// file to fetch or cache) and a vibration. Browsers let a page make sound or vibrate only after
// the member has touched it, so the audio context is made on the first touch and the vibration
// asked for only once the page has been touched.
let audio: AudioContext | null = null;

export function armAlerts(): void {
  const arm = () => {
    audio ??= new AudioContext();
    void audio.resume().catch(() => {});
  };
  window.addEventListener("pointerdown", arm, { once: true, capture: true });
}

export function alertOffer(): void {
  if (audio && audio.state === "running") {
    const start = audio.currentTime;
    for (let beep = 0; beep < 3; beep++) {
      const at = start + beep * 0.25;
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.4, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.18);
      tone.connect(gain).connect(audio.destination);
      tone.start(at);
      tone.stop(at + 0.2);
    }
  }
  if (navigator.userActivation?.hasBeenActive && "vibrate" in navigator) {
    navigator.vibrate([300, 150, 300, 150, 300]);
  }
}
