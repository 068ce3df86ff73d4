import { SignIn } from "@clerk/clerk-react";

/** Clerk's hosted sign-in form (loaded only when a Clerk key is configured). */
export default function ClerkSignIn() {
  return (
    <div className="signin-clerk" data-testid="signin-clerk">
      <SignIn routing="hash" fallbackRedirectUrl="/chat" />
    </div>
  );
}
