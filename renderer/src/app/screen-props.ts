/** What every screen receives from the router: the part of the route after its section. */
export interface ScreenProps {
  readonly detail: string | undefined;
  /** The route's query ("a-traiter=1&validite=bientot"), for screens with filters. */
  readonly query?: string;
}
