import type { SampleTool } from "./backend.ts";

const echo = (backend: string): SampleTool => ({
  name: "echo",
  description: `Echoes its text (every backend has one: the gateway's conflict resolution prefixes them)`,
  args: ["text"],
  run: (a) => `${backend}: ${a.text}`,
});

/** The sample backends' tools, by backend name: the same in-process (demo, e2e) and in the image. */
export const SAMPLE_TOOLS = {
  weather: [
    {
      name: "forecast",
      description: "Tomorrow's weather for a city",
      args: ["city"],
      run: (a) => `Tomorrow in ${a.city}: sunny, 21 °C`,
    },
    echo("weather"),
  ],
  calendar: [
    { name: "next_event", description: "The next event in the calendar", run: () => "Stand-up at 09:30" },
    echo("calendar"),
  ],
  notes: [
    { name: "add_note", description: "Stores a note", args: ["text"], run: (a) => `noted: ${a.text}` },
    echo("notes"),
  ],
} satisfies Record<string, SampleTool[]>;

export type SampleName = keyof typeof SAMPLE_TOOLS;
