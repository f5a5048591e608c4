"""What anyone may read of a village: the public board and leaderboards (API), with names
masked as the village chose. The pages that show them are ``villagers``'.
"""
