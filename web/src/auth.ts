// The staff member's bearer token, kept for this browser tab only (sessionStorage), never in a cookie.

const STORAGE_KEY = "citizeninfo.session";

export interface Session {
  token: string;
  username: string;
  role: string;
  departmentId: string | null;
  expiresAt: number;
}

interface TokenResponse {
  access_token: string;
  expires_in: number;
}

interface Claims {
  sub?: string;
  role?: string;
  department_id?: string | null;
  exp?: number;
}

function decodeClaims(token: string): Claims {
  // Only to show who is signed in; every service verifies the token itself.
  const payload = token.split(".")[1] ?? "";
  const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), "=")), (c) =>
    c.charCodeAt(0),
  );
  return JSON.parse(new TextDecoder().decode(bytes)) as Claims;
}

export function session(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const stored = JSON.parse(raw) as Session;
    if (stored.expiresAt <= Date.now()) {
      sessionStorage.removeItem(STORAGE_KEY);
      return null;
    }
    return stored;
  } catch {
    return null;
  }
}

export async function signIn(username: string, password: string): Promise<Session> {
  const response = await fetch("/api/pin/v1/auth/token", {
    method: "POST",
    headers: { Accept: "application/json" },
    body: new URLSearchParams({ username, password }),
  });
  if (!response.ok) throw new Error(String(response.status));
  const body = (await response.json()) as TokenResponse;
  const claims = decodeClaims(body.access_token);
  const stored: Session = {
    token: body.access_token,
    username: claims.sub ?? username,
    role: claims.role ?? "agency_staff",
    departmentId: claims.department_id ?? null,
    expiresAt: Date.now() + body.expires_in * 1000,
  };
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(stored));
  return stored;
}

export function signOut(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
