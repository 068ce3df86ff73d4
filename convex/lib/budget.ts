import { Budget } from "../../components/budget/src/client";
import { components } from "../_generated/api";

/** The app's handle on its own budget component. */
export const budget = new Budget(components.budget);
