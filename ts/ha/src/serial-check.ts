// One check at a time: a watch firing while a check runs asks for exactly one
// more after it (the contender and the detector both re-read the election on
// every change, and two reads racing could report an older answer last).

export class SerialCheck {
  #running = false;
  #again = false;

  constructor(
    private readonly run: () => Promise<void>,
    /** What a failed run means (it may call request() to run again). */
    private readonly failed: (err: unknown) => void,
  ) {}

  request(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    this.run()
      .catch((err: unknown) => this.failed(err))
      .finally(() => {
        this.#running = false;
        if (this.#again) {
          this.#again = false;
          this.request();
        }
      });
  }
}
