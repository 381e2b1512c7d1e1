/**
 * A throwaway Redis (Debian's redis-server) on a free loopback port, no persistence; tests that need
 * it skip with a reason when the binary is missing.
 */
import { spawn, spawnSync } from "node:child_process"
import * as net from "node:net"

export const REDIS_BINARY = "redis-server"

/** Why Redis tests cannot run here, or undefined when they can. */
export const redisMissing = (): string | undefined =>
  spawnSync(REDIS_BINARY, ["--version"]).status === 0 ? undefined : `${REDIS_BINARY} is not installed (Debian: apt-get install redis-server)`

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

const answers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1")
    socket.once("connect", () => socket.write("PING\r\n"))
    socket.once("data", (d) => {
      socket.destroy()
      resolve(d.toString().startsWith("+PONG"))
    })
    socket.once("error", () => resolve(false))
  })

export interface RedisTestServer {
  readonly url: string
  readonly close: () => Promise<void>
}

export const startRedis = async (): Promise<RedisTestServer> => {
  const port = await freePort()
  const child = spawn(REDIS_BINARY, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" })
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  for (let waited = 0; !(await answers(port)); waited += 50) {
    if (waited > 10_000 || child.exitCode !== null) throw new Error(`redis-server did not start on port ${port}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      if (child.exitCode === null) child.kill("SIGTERM")
      await exited
    }
  }
}
